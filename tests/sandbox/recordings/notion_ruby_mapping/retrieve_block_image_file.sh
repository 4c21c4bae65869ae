curl 'https://api.notion.com/v1/blocks/293ace37-42f5-45a6-b8ff-1352f4b3e7c6' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
