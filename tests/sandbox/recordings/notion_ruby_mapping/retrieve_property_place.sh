curl 'https://api.notion.com/v1/pages/282d8e4e98ab8048bd3ecd8a933392c7/properties/AmdZ' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''
