curl 'https://api.notion.com/v1/users/2200a9116a9644bbbd386bfb1e01b9f6' \
  -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
  -H "Notion-Version: 2025-09-03"
